"""Access: who holds which role, which datasets a reviewer may edit, review queues, activity."""
