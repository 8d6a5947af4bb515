namespace SplitGuard.Daemon.Hosting;

/// <summary>The daemon's pid file: refuses to start over a live daemon, removed on clean exit.</summary>
public sealed class PidFile : IDisposable
{
    private readonly string _path;

    private PidFile(string path) => _path = path;

    public static PidFile Create(string path)
    {
        if (File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), out int other) && other != Environment.ProcessId
            && Directory.Exists($"/proc/{other}") && File.ReadAllText($"/proc/{other}/cmdline").Contains("splitguard", StringComparison.Ordinal))
        {
            throw new DaemonStartException($"another splitguard daemon is running (pid {other}, pid file {path})");
        }

        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            File.WriteAllText(path, $"{Environment.ProcessId}\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DaemonStartException($"cannot write pid file {path}: {e.Message}", e);
        }

        return new PidFile(path);
    }

    public void Dispose()
    {
        try
        {
            if (File.Exists(_path) && File.ReadAllText(_path).Trim() == Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                File.Delete(_path);
            }
        }
        catch (IOException)
        {
            // Best effort: a stale pid file is detected at the next start.
        }
    }
}
