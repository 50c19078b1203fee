/* agent-deploy.c - placeholder until written */
int main(void)
{
	return 70;
}
