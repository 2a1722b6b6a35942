namespace RefApp;

// In a folder named build on purpose: MSBuild compiles it, so it is an input and goes into the sdist.
internal static class Factor
{
    public const int Value = 1;
}
