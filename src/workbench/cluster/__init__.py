"""Clustering segmentation on behaviour and attributes (in progress: the feature set first)."""
