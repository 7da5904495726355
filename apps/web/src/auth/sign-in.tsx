import { useState, type FormEvent } from 'react';
import { useSession } from '../api/session';
import { ApiError } from '../api/client';
import { TextField } from '../ui/field';
import { ErrorNote } from '../ui/states';

/** The sign-in page: what anyone signed out sees. What was typed stays after a refusal. */
export function SignInPage() {
  const { signIn } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(email, password);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const fieldError = (path: string) => (error instanceof ApiError ? error.fieldMessage(path) : undefined);
  return (
    <main className="sign-in">
      <form className="card sign-in-card" onSubmit={submit} noValidate={false} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sign in to Tollgate</h1>
        {error ? <ErrorNote error={error} title="Sign-in failed" /> : null}
        <TextField label="Email" type="email" name="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} error={fieldError('email')} />
        <TextField label="Password" type="password" name="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} error={fieldError('password')} />
        <button type="submit" className="button" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </main>
  );
}
