"""The call flow: operators' YAML (menu_tree.yaml, menus/, prompts/) compiled into a frozen, checked model."""

from ivr.flow.errors import FlowError, Problem
from ivr.flow.loader import load_flow
from ivr.flow.model import Flow

__all__ = ["Flow", "FlowError", "Problem", "load_flow"]
