// A minimal managed program: what `mcs` (Mono's C# compiler) makes is a .NET Framework 4.x assembly.
public static class Hello
{
    public static int Main()
    {
        System.Console.WriteLine("hello from managed code");
        return 0;
    }
}
