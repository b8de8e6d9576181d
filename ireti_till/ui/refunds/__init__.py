"""F8: the refund screen (find the sale, choose, approve, confirm) and the refund receipt."""
