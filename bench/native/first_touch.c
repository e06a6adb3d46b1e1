// How much the first write to fresh anonymous memory costs on this machine, against a second write to the same pages
// (docs/benchmarks.md, issue 13, session 10). Usage: gcc -O2 -o first_touch first_touch.c && ./first_touch MIB [huge]
// With a second argument the mapping is madvised MADV_HUGEPAGE first. Prints the process CPU seconds of each pass and
// the first pass per 4 KiB page.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
static double now(){struct timespec t;clock_gettime(CLOCK_PROCESS_CPUTIME_ID,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int main(int c,char**v){size_t n=(size_t)atoi(v[1])<<20; int huge=c>2;
 char*p=mmap(0,n,PROT_READ|PROT_WRITE,MAP_PRIVATE|MAP_ANONYMOUS,-1,0);
 if(huge) madvise(p,n,MADV_HUGEPAGE);
 double t=now(); memset(p,1,n); double t1=now(); memset(p,2,n); double t2=now();
 printf("first touch %.3f s (%.2f us/page), second %.3f s\n",t1-t,(t1-t)/(n/4096)*1e6,t2-t1);}
