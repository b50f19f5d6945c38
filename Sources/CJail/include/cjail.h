#ifndef BRIG_CJAIL_H
#define BRIG_CJAIL_H
int cjail_placeholder(void);
#endif
