using Microsoft.Extensions.Time.Testing;
using Moq;

namespace Partnumber.Client.Tests.Batch;

/// <summary>ClassifyManyAsync over a Moq client whose classifications the tests complete by hand (no sleeping).</summary>
public class ClassifyManyAsyncTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Never_runs_more_than_MaxConcurrency_and_pulls_no_request_beyond_the_bound()
    {
        var client = new ControlledClient();
        var source = new CountingSource(20);
        var outcomes = new List<ClassificationOutcome>();

        var consuming = Task.Run(async () =>
        {
            await foreach (var outcome in client.Object.ClassifyManyAsync(source, new ClassifyManyOptions { MaxConcurrency = 3 }))
            {
                outcomes.Add(outcome);
            }
        });

        var first = new[] { await client.NextStartedAsync(), await client.NextStartedAsync(), await client.NextStartedAsync() };
        // Three slots are taken and none is released until an outcome is read, so the fourth request cannot be pulled.
        Assert.Equal(3, source.Pulled);
        Assert.Equal(3, client.Running);

        foreach (var call in first)
        {
            call.Succeed();
        }

        for (var i = 3; i < 20; i++)
        {
            (await client.NextStartedAsync()).Succeed();
        }

        await consuming.WaitAsync(Guard);
        Assert.Equal(20, outcomes.Count);
        Assert.Equal(3, client.Peak);
        Assert.Equal(Enumerable.Range(0, 20), outcomes.Select(o => o.Index).Order());
        Assert.All(outcomes, o => Assert.Equal($"PN-{o.Index}", o.Request.Partnumber));
        Assert.All(outcomes, o => Assert.True(o.Succeeded));
    }

    [Fact]
    public async Task Yields_outcomes_in_completion_order()
    {
        var client = new ControlledClient();
        await using var enumerator = client.Object
            .ClassifyManyAsync(new CountingSource(3), new ClassifyManyOptions { MaxConcurrency = 3 })
            .GetAsyncEnumerator();
        var moving = enumerator.MoveNextAsync().AsTask();
        var calls = new[] { await client.NextStartedAsync(), await client.NextStartedAsync(), await client.NextStartedAsync() };
        var byPartnumber = calls.ToDictionary(c => c.Request.Partnumber);

        var seen = new List<string>();
        foreach (var partnumber in new[] { "PN-2", "PN-0", "PN-1" })
        {
            byPartnumber[partnumber].Succeed();
            Assert.True(await moving.WaitAsync(Guard));
            seen.Add(enumerator.Current.Request.Partnumber);
            moving = enumerator.MoveNextAsync().AsTask();
        }

        Assert.False(await moving.WaitAsync(Guard));
        Assert.Equal(new[] { "PN-2", "PN-0", "PN-1" }, seen);
    }

    [Fact]
    public async Task With_MaxConcurrency_one_the_outcomes_keep_the_input_order()
    {
        var client = new Mock<IPartnumberClassificationClient>();
        client.Setup(c => c.ClassifyAndWaitAsync(It.IsAny<ClassificationRequest>(), null, It.IsAny<CancellationToken>()))
            .ReturnsAsync((ClassificationRequest r, IProgress<ClassificationUpdate>? _, CancellationToken _) => PartnumberModelFactory.ClassificationResult(r.Partnumber));

        var outcomes = await client.Object.ClassifyManyAsync(new CountingSource(25), new ClassifyManyOptions { MaxConcurrency = 1 }).ToListAsync();

        Assert.Equal(Enumerable.Range(0, 25), outcomes.Select(o => o.Index));
        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"PN-{i}"), outcomes.Select(o => o.Result!.Partnumber));
    }

    [Fact]
    public async Task Every_request_yields_exactly_one_outcome_and_errors_are_outcomes_not_exceptions()
    {
        var client = new ControlledClient();
        var requests = new ClassificationRequest[]
        {
            new("PN-OK"),
            new("   "),
            null!,
            new("PN-FAILS"),
            new("PN-OK-2"),
        };
        var failure = new ClassificationFailedException("no class for PN-FAILS");

        var consuming = client.Object.ClassifyManyAsync(requests, new ClassifyManyOptions { MaxConcurrency = 2 }).ToListAsync().AsTask();
        for (var i = 0; i < 3; i++)
        {
            var call = await client.NextStartedAsync();
            if (call.Request.Partnumber == "PN-FAILS")
            {
                call.Fail(failure);
            }
            else
            {
                call.Succeed();
            }
        }

        var outcomes = (await consuming.WaitAsync(Guard)).OrderBy(o => o.Index).ToList();

        Assert.Equal(5, outcomes.Count);
        Assert.True(outcomes[0].Succeeded);
        var blank = Assert.IsType<ArgumentException>(outcomes[1].Exception);
        Assert.Equal("Partnumber", blank.ParamName);
        Assert.IsType<ArgumentNullException>(outcomes[2].Exception);
        Assert.Null(outcomes[2].Request);
        Assert.Same(failure, outcomes[3].Exception);
        Assert.Null(outcomes[3].Result);
        Assert.True(outcomes[4].Succeeded);
        Assert.Equal("desc of PN-OK-2", outcomes[4].Result!.Description);
    }

    [Fact]
    public async Task Cancelling_stops_taking_requests_cancels_the_running_ones_yields_them_then_throws()
    {
        var client = new ControlledClient();
        var source = new CountingSource(100);
        using var cts = new CancellationTokenSource();
        var outcomes = new List<ClassificationOutcome>();

        var consuming = Task.Run(async () =>
        {
            await foreach (var outcome in client.Object.ClassifyManyAsync(source, new ClassifyManyOptions { MaxConcurrency = 3 }, cts.Token))
            {
                outcomes.Add(outcome);
            }
        });

        var calls = new[] { await client.NextStartedAsync(), await client.NextStartedAsync(), await client.NextStartedAsync() };
        calls[0].Succeed();
        var fourth = await client.NextStartedAsync();
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => consuming.WaitAsync(Guard));
        Assert.Equal(4, source.Pulled);
        Assert.Equal(4, client.Calls.Count);
        Assert.Equal(4, outcomes.Count);
        Assert.True(outcomes.Single(o => o.Request == calls[0].Request).Succeeded);
        Assert.All(outcomes.Where(o => o.Request != calls[0].Request), o => Assert.True(o.Canceled));
        Assert.True(fourth.Token.IsCancellationRequested);
        Assert.Equal(0, client.Running);
    }

    [Fact]
    public async Task A_cancelled_token_takes_no_request_at_all()
    {
        var client = new ControlledClient();
        var source = new CountingSource(10);
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in client.Object.ClassifyManyAsync(source, cancellationToken: cts.Token))
            {
            }
        });

        Assert.Equal(0, source.Pulled);
        Assert.Empty(client.Calls);
    }

    [Fact]
    public async Task Leaving_the_loop_early_cancels_the_running_classifications_and_waits_for_them()
    {
        var client = new ControlledClient();
        var source = new CountingSource(null);

        var consuming = Task.Run(async () =>
        {
            await foreach (var outcome in client.Object.ClassifyManyAsync(source, new ClassifyManyOptions { MaxConcurrency = 4 }))
            {
                return outcome;
            }

            return null;
        });

        var calls = new List<ControlledClient.Call>();
        for (var i = 0; i < 4; i++)
        {
            calls.Add(await client.NextStartedAsync());
        }

        calls[2].Succeed();
        var first = await consuming.WaitAsync(Guard);

        Assert.Same(calls[2].Request, first!.Request);
        // When the loop has been left, the other classifications have been cancelled and have ended.
        Assert.Equal(0, client.Running);
        Assert.All(calls.Where(c => c != calls[2]), c => Assert.True(c.Token.IsCancellationRequested));
        Assert.True(source.Pulled <= 5, $"pulled {source.Pulled}");
    }

    [Fact]
    public async Task An_endless_input_is_pulled_only_MaxConcurrency_ahead_of_the_consumer()
    {
        var client = new Mock<IPartnumberClassificationClient>();
        client.Setup(c => c.ClassifyAndWaitAsync(It.IsAny<ClassificationRequest>(), null, It.IsAny<CancellationToken>()))
            .ReturnsAsync((ClassificationRequest r, IProgress<ClassificationUpdate>? _, CancellationToken _) => PartnumberModelFactory.ClassificationResult(r.Partnumber));
        var source = new CountingSource(null);
        var consumed = 0;

        await foreach (var _ in client.Object.ClassifyManyAsync(source, new ClassifyManyOptions { MaxConcurrency = 4 }))
        {
            consumed++;
            Assert.InRange(source.Pulled, consumed, consumed + 4);
            if (consumed == 200)
            {
                break;
            }
        }

        Assert.InRange(source.Pulled, 200, 204);
    }

    [Fact]
    public async Task An_error_of_the_input_lets_the_running_classifications_finish_then_is_rethrown()
    {
        var client = new ControlledClient();
        static IEnumerable<ClassificationRequest> Broken()
        {
            yield return new ClassificationRequest("PN-A");
            yield return new ClassificationRequest("PN-B");
            throw new InvalidDataException("bad row 3");
        }

        var outcomes = new List<ClassificationOutcome>();
        var consuming = Task.Run(async () =>
        {
            await foreach (var outcome in client.Object.ClassifyManyAsync(Broken(), new ClassifyManyOptions { MaxConcurrency = 4 }))
            {
                outcomes.Add(outcome);
            }
        });

        (await client.NextStartedAsync()).Succeed();
        (await client.NextStartedAsync()).Succeed();

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => consuming.WaitAsync(Guard));
        Assert.Equal("bad row 3", error.Message);
        Assert.Equal(2, outcomes.Count);
        Assert.All(outcomes, o => Assert.True(o.Succeeded));
    }

    [Fact]
    public async Task The_async_overload_passes_the_token_to_the_source_and_classifies_everything()
    {
        var client = new ControlledClient();
        CancellationToken seen = default;
        async IAsyncEnumerable<ClassificationRequest> Source([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken token = default)
        {
            seen = token;
            for (var i = 0; i < 5; i++)
            {
                await Task.Yield();
                yield return new ClassificationRequest($"PN-{i}");
            }
        }

        var consuming = client.Object.ClassifyManyAsync(Source(), new ClassifyManyOptions { MaxConcurrency = 2 }).ToListAsync().AsTask();
        for (var i = 0; i < 5; i++)
        {
            (await client.NextStartedAsync()).Succeed();
        }

        var outcomes = await consuming.WaitAsync(Guard);
        Assert.Equal(5, outcomes.Count);
        Assert.True(seen.CanBeCanceled);
    }

    [Fact]
    public async Task Elapsed_is_measured_on_the_given_TimeProvider()
    {
        var time = new FakeTimeProvider();
        var client = new ControlledClient();
        var consuming = client.Object
            .ClassifyManyAsync(new CountingSource(1), new ClassifyManyOptions { TimeProvider = time })
            .ToListAsync().AsTask();

        var call = await client.NextStartedAsync();
        time.Advance(TimeSpan.FromSeconds(7));
        call.Succeed();

        var outcome = Assert.Single(await consuming.WaitAsync(Guard));
        Assert.Equal(TimeSpan.FromSeconds(7), outcome.Elapsed);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(ClassifyManyOptions.MaxAllowedConcurrency + 1)]
    public void An_invalid_MaxConcurrency_is_rejected_at_the_call(int maxConcurrency)
    {
        var client = new Mock<IPartnumberClassificationClient>(MockBehavior.Strict).Object;
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => client.ClassifyManyAsync(new CountingSource(1), new ClassifyManyOptions { MaxConcurrency = maxConcurrency }));
        Assert.Equal("MaxConcurrency", error.ParamName);
    }

    [Fact]
    public void Null_arguments_are_rejected_at_the_call()
    {
        var client = new Mock<IPartnumberClassificationClient>(MockBehavior.Strict).Object;
        Assert.Throws<ArgumentNullException>("requests", () => client.ClassifyManyAsync((IEnumerable<ClassificationRequest>)null!));
        Assert.Throws<ArgumentNullException>("requests", () => client.ClassifyManyAsync((IAsyncEnumerable<ClassificationRequest>)null!));
        Assert.Throws<ArgumentNullException>("client", () => ((IPartnumberClassificationClient)null!).ClassifyManyAsync(new CountingSource(1)));
    }

    [Fact]
    public void An_outcome_has_exactly_one_of_result_and_exception()
    {
        var request = new ClassificationRequest("PN-1");
        Assert.Throws<ArgumentException>(() => new ClassificationOutcome(0, request, null, null, TimeSpan.Zero));
        Assert.Throws<ArgumentException>(() => new ClassificationOutcome(0, request, PartnumberModelFactory.ClassificationResult("PN-1"), new InvalidOperationException(), TimeSpan.Zero));
    }
}
