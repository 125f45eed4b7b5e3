"""Word documents from the editable templates: the 转送单 (Annex 2) and the Annex 3 / 4
applications, their contexts, the queue that writes them, the merged print PDF."""
