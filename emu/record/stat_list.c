/* Named numbers (record.h StatList): a policy's own statistics. */
#include "record/record.h"
#include <stdio.h>

void stat_list_put(void *list, const char *name, double value, const char *unit)
{
    StatList *l = list;
    if (l->n == STAT_LIST_MAX)
        return;
    snprintf(l->s[l->n].name, sizeof l->s[l->n].name, "%s", name);
    snprintf(l->s[l->n].unit, sizeof l->s[l->n].unit, "%s", unit ? unit : "");
    l->s[l->n++].value = value;
}
