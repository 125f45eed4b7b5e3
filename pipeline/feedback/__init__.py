"""反馈区热线办 (seed §三(一)3): what the district office has not been told yet, listed once."""
