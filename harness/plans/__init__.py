"""plans stage."""
