"""Text handling: cleaning, front matter, segmentation."""
