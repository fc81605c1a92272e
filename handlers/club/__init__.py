"""English Club Friday as records: sessions, their LINE reminders, registrations and attendance by district."""
