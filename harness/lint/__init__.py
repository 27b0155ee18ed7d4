"""lint stage."""
