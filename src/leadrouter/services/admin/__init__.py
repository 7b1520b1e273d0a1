"""Agency administration: agencies and keys, webhook endpoints, the routing policy, the outbox."""
