"""The clock process (APScheduler): scheduled tips, sent within the LINE quota and exactly once."""
