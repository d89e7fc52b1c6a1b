"""Transactions and customers: loading, validation, reported cleaning, bundled and synthetic data."""

from workbench.data.attributes import join_attributes, load_customers
from workbench.data.datasets import load_cdnow
from workbench.data.load import Transactions, load_transactions

__all__ = ["Transactions", "join_attributes", "load_cdnow", "load_customers", "load_transactions"]
