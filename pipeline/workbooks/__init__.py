"""The workbooks the office runs on: 台账, 督办日报, 绩效考核."""
