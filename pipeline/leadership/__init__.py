"""领导负责制: who answers for an order, and whose signature its result needs."""
