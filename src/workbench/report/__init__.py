"""workbench.report"""
