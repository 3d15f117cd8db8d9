"""Decision engine: pure economics, route choice and stock turnover."""
