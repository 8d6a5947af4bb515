using System.Diagnostics;
using System.Globalization;

namespace SplitGuard.Daemon.Booth;

/// <summary>
/// Runs a ticket's before-acquire-handler as booth does: <c>path [args...]</c>, or, when path is a directory, every
/// non-dot file in it in alphabetical order (all must succeed). Environment: BOOTH_TICKET, BOOTH_LOCAL,
/// BOOTH_CONF_NAME, BOOTH_CONF_PATH, BOOTH_TICKET_EXPIRES, and LC_ALL=C. A handler that outlives
/// the timeout is killed and counts as failed.
/// </summary>
public static class BoothHandlerRunner
{
    /// <summary>Returns the first non-zero exit code, -1 for a handler that could not start or timed out, else 0.</summary>
    public static async Task<int> RunAsync(
        string commandLine,
        IReadOnlyDictionary<string, string> environment,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var parts = commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            return -1;
        }

        var programs = Directory.Exists(parts[0])
            ? Directory.GetFiles(parts[0]).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal).ToList()
            : [parts[0]];
        foreach (var program in programs)
        {
            var code = await RunOneAsync(program, parts.Skip(1), environment, timeout, cancellationToken).ConfigureAwait(false);
            if (code != 0)
            {
                return code;
            }
        }

        return 0;
    }

    private static async Task<int> RunOneAsync(
        string program,
        IEnumerable<string> args,
        IReadOnlyDictionary<string, string> environment,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["LC_ALL"] = "C";
        foreach (var (k, v) in environment)
        {
            psi.Environment[k] = v;
        }

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("not started");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return -1;
        }

        using (process)
        {
            _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
            _ = process.StandardError.ReadToEndAsync(cancellationToken);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(timeout);
            try
            {
                await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
                return process.ExitCode;
            }
            catch (OperationCanceledException)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // already gone
                }

                return -1;
            }
        }
    }

    /// <summary>booth's handler environment.</summary>
    public static Dictionary<string, string> Environment(string ticket, string local, string confName, string confPath, long expiresEpoch) => new()
    {
        ["BOOTH_TICKET"] = ticket,
        ["BOOTH_LOCAL"] = local,
        ["BOOTH_CONF_NAME"] = confName,
        ["BOOTH_CONF_PATH"] = confPath,
        ["BOOTH_TICKET_EXPIRES"] = expiresEpoch.ToString(CultureInfo.InvariantCulture),
    };
}
