"""The thin shell: faust agents that move records between topics and the state they keep."""
