"""Helpers the Python test drivers share for writing MLIR text."""


def dense_literal(a):
    """An MLIR dense literal of a numpy array: dense<[[1, 2], [3, 4]]>."""
    def fmt(v):
        if isinstance(v, list):
            return "[" + ", ".join(fmt(e) for e in v) + "]"
        if isinstance(v, bool):
            return "true" if v else "false"
        return repr(float(v)) if isinstance(v, float) else str(int(v))
    return f"dense<{fmt(a.tolist())}>"
