"""The clerk's actions on an order, stage by stage (处置 受理 办理 回访 …), and looking orders up."""
