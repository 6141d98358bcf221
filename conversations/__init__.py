"""Platform-neutral conversation flows: onboarding, check-ins, goals, payment and feedback."""
