"""Paper copies (附件1 三–六): posted up the chain, recorded, received, checked for gaps."""
