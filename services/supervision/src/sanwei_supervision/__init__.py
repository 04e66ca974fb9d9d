"""sanwei supervision: 指挥部/督查室: 督办通知书, rectification reports, notice deadlines."""
