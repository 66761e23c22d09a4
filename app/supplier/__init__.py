"""The supplier portal: /supplier/ on the platform host, for invited supplier staff."""
