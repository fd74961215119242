"""SQL and repositories. Nothing here knows about aiogram."""
