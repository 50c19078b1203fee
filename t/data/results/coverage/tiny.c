#include <stdio.h>

static int sign(int x)
{
	if (x < 0)
		return -1;
	if (x > 0)
		return 1;
	return 0;
}

int main(int argc, char **argv)
{
	(void)argv;
	printf("%d\n", sign(argc - 2));
	return 0;
}
