namespace RefCore;

public static class Rules
{
#if !REFCORE_PARENT_PROPS
#error ../Directory.Build.props was not imported
#endif
    public static int Bonus(int points) => points * 2;
}
