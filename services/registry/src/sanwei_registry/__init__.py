"""sanwei registry: task lists, tasks, lead and co-units, deadlines in 工作日."""
