"""Test helpers: throwaway databases and local fake servers for the platforms we talk to."""
