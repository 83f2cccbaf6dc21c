"""newsflow services: producers, the faust processor, the sink, and what they share."""
