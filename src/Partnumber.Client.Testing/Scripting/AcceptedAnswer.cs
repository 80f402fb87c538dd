namespace Partnumber.Client.Testing.Scripting;

/// <summary>How a script answers a POST that starts its task: status, content type, and the body written from the task's (task id, room id).</summary>
internal sealed record AcceptedAnswer(int StatusCode, string ContentType, Func<string, string, string> Body);
