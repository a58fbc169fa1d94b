"""Frugal training code: PyTorch reference modules of every architecture and the recipes built on them."""
