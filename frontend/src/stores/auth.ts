import { create } from "zustand";
import type { User } from "@/lib/api/types";

export type AuthStatus = "loading" | "authenticated" | "anonymous";

type AuthState = {
  status: AuthStatus;
  user: User | null;
  /** The short-lived access JWT. Memory only: never written to storage or cookies. */
  access: string | null;
  setSession: (session: { access: string; user?: User | null }) => void;
  clear: () => void;
};

export const useAuthStore = create<AuthState>()((set) => ({
  status: "loading",
  user: null,
  access: null,
  setSession: ({ access, user }) =>
    set((state) => ({ status: "authenticated", access, user: user ?? state.user })),
  clear: () => set({ status: "anonymous", user: null, access: null }),
}));
