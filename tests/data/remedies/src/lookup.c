/* linkguard remedy fixture: resolves a host name and the current user, the two things static glibc
 * cannot do alone (getaddrinfo and getpwuid go through NSS, which dlopens libnss_*.so at run time). */
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(argc > 1 ? argv[1] : "localhost", NULL, &hints, &res);
    int n = 0;
    for (struct addrinfo *p = res; p; p = p->ai_next) n++;
    if (res) freeaddrinfo(res);
    struct passwd *pw = getpwuid(getuid());
    printf("linkguard-lookup-ok user=%s addrs=%d\n", pw ? pw->pw_name : "?", rc == 0 ? n : -1);
    return 0;
}
