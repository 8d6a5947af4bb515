using System.Globalization;

namespace SplitGuard.Daemon.Hosting;

/// <summary>
/// The highest lease term this node has voted in or claimed, kept in the state directory (<c>term</c> in <c>Daemon.state_dir</c>) so
/// that a restarted daemon does not vote twice in one term. Written to a temporary file, flushed to disk, then renamed.
/// </summary>
public sealed class TermFile(string path)
{
    public string Path { get; } = path;

    /// <summary>The stored term, 0 when there is none; an unreadable or corrupt file is an error that names it.</summary>
    public uint Read()
    {
        if (!File.Exists(Path))
        {
            return 0;
        }

        var text = File.ReadAllText(Path).Trim();
        return uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var term)
            ? term
            : throw new InvalidDataException($"{Path}: expected a lease term (a whole number), found '{(text.Length > 40 ? text[..40] + "..." : text)}'; remove the file to start from term 0");
    }

    /// <summary>Stores <paramref name="term"/> durably; throws <see cref="IOException"/> (disk full, read-only) with the reason.</summary>
    public void Write(uint term)
    {
        var temporary = Path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            var bytes = System.Text.Encoding.ASCII.GetBytes(term.ToString(CultureInfo.InvariantCulture) + "\n");
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, Path, overwrite: true);
    }
}
