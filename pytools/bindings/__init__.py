"""Stage 4 (generate): the C# compiled into a library and the Python files of its package, both
rendered from one BindingPlan (plan/), through the type registry (plan/types.py)."""
