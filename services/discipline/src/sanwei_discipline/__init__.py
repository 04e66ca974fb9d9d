"""sanwei discipline: 纪委: clues, 分办/转办, 处置, decisions, published outcomes."""
