"""Sportello's hub: owns conversations and hands them from the Rasa assistant to named agents."""
