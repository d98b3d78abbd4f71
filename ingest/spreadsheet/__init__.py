"""Reading ledgers from spreadsheets: file readers, header synonyms and cell parsing."""
