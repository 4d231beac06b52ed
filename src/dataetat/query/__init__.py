"""Search parameters → SQL over the read model: filters, grouping, totals, sort, paging, region scope."""
