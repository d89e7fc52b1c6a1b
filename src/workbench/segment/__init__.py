"""workbench.segment"""
