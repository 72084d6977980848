"""Documents the portal generates: the 推荐表 (附件3), the electronic package, covers, names."""
