"""Charts for coaches, rendered as images from computed series."""
