namespace SplitGuard.Client.Tests.Support;

/// <summary>A private directory for test sockets (short, under /tmp: unix socket paths are limited to 107 bytes).</summary>
public sealed class TempSockets : IDisposable
{
    public TempSockets()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("sg-api-").FullName;
    }

    public string Directory { get; }

    public string Path(string name) => System.IO.Path.Combine(Directory, name);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}
