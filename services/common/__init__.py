"""What the services share: Kafka client options, topics, the local broker."""
