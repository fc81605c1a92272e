"""The directory of missions (embassies, consulates, UN offices): one service for LINE, the console and the CLI."""
